import { strict as assert } from "assert";
import * as path from "path";
import { PolicyPackPool, RunnerPool, runPreview, PreviewReport } from "../../tools/preview";
import { REPO } from "./helpers";

/**
 * The project's own stacks through the offline preview with the real policy pack at each
 * environment's levels: what CI gates on. Both modes, because a first preview meets unknown values
 * and a later one lets policies read computed ones.
 */
describe("the project's stacks under the offline preview", function () {
    this.timeout(240_000);
    // One pack and one program runner serve every preview, as in `npm run gate`.
    const pool = new PolicyPackPool();
    const runners = new RunnerPool();
    after(() => {
        runners.close();
        return pool.close();
    });
    const updates: Record<string, PreviewReport> = {};
    // The custom domain each stack's file sets (edgeDomainName); dev stays on CloudFront's default certificate.
    const SITE_DOMAINS: Record<string, string | undefined> = { dev: undefined, staging: "staging.shop.example.com", prod: "shop.example.com" };

    for (const stack of ["dev", "staging", "prod"]) {
        for (const mode of ["create", "update"] as const) {
            it(`${stack} (${mode}): no mandatory violation`, async () => {
                const report: PreviewReport = await runPreview({
                    cwd: REPO,
                    stack,
                    mode,
                    pool,
                    runners,
                    policyPacks: [path.join(REPO, "policies")],
                    policyPackConfigs: [path.join(REPO, "policies", "config", `${stack}.json`)],
                });
                if (mode === "update") updates[stack] = report;
                const mandatory = report.diagnostics
                    .filter((d) => d.enforcementLevel === "mandatory")
                    .map((d) => `${d.policyName} ${d.urn}\n    ${d.message.split("\n").pop()}`);
                assert.deepEqual(mandatory, [], `mandatory violations in ${stack}:\n${mandatory.join("\n")}`);
                assert.ok(report.summary.resources > 50, "the whole platform was built");
                assert.equal(report.policyPacks[0]?.name, "platform-policies");
                // SES computes the DKIM tokens: unknown before the identity exists, three CNAMEs after.
                const dkim = report.outputs.emailDkimRecords;
                if (mode === "create") {
                    assert.equal(dkim, "[unknown]");
                } else {
                    assert.deepEqual(
                        (dkim as { value: string }[]).map((r) => r.value.replace(/^[0-9a-f]{32}/, "<token>")),
                        Array(3).fill("<token>.dkim.amazonses.com"),
                    );
                }
                const byName = (name: string) => {
                    const found = report.resources.filter((r) => r.name === name);
                    assert.equal(found.length, 1, name);
                    return found[0];
                };
                // Cognito's hosted sign-in returns to the site the distribution serves: its custom domain, known
                // from config, or else its cloudfront.net name, which the web client then waits for.
                const web = byName("identity-web-client");
                const domain = SITE_DOMAINS[stack];
                const distribution = byName("edge-distribution");
                assert.deepEqual(web.propertyDependencies.callbackUrls ?? [], domain ? [] : [distribution.urn]);
                // A custom domain is served with the certificate the stack requested in us-east-1, once ACM
                // has issued it (the validation), and its validation CNAME is a stack output.
                const viewer = distribution.inputs.viewerCertificate as Record<string, unknown>;
                const records = report.outputs.edgeCertificateValidationRecords;
                if (domain) {
                    assert.deepEqual(distribution.inputs.aliases, [domain]);
                    assert.deepEqual([viewer.sslSupportMethod, viewer.minimumProtocolVersion], ["sni-only", "TLSv1.2_2021"]);
                    const certificate = byName("edge-certificate");
                    assert.deepEqual([certificate.inputs.domainName, certificate.inputs.validationMethod], [domain, "DNS"]);
                    assert.deepEqual(distribution.propertyDependencies.viewerCertificate, [byName("edge-certificate-validation").urn]);
                    if (mode === "create") {
                        assert.equal(records, "[unknown]");
                    } else {
                        const [record, ...more] = records as { name: string; type: string; value: string }[];
                        assert.deepEqual(more, []);
                        assert.equal(record.type, "CNAME");
                        assert.ok(record.name.endsWith(`.${domain}`), record.name);
                        assert.match(record.value, /\.acm-validations\.aws$/);
                    }
                } else {
                    assert.deepEqual(viewer, { cloudfrontDefaultCertificate: true });
                    assert.deepEqual(records, []);
                    assert.equal(report.resources.filter((r) => r.type.startsWith("aws:acm/")).length, 0);
                }
                // The email worker alarms on its own uncertain sends, as its EMF record names them.
                const uncertain = byName("email-worker-email-delivery-uncertain");
                assert.deepEqual(
                    [uncertain.inputs.namespace, uncertain.inputs.metricName, uncertain.inputs.dimensions],
                    [`platform-${stack}`, "EmailDeliveryUncertain", { service: "email-worker" }],
                );
                assert.deepEqual(uncertain.propertyDependencies.alarmActions, [byName("alerting-warning").urn]);
                if (mode === "update") {
                    assert.match(report.outputs.distributionDomainName as string, /^d[0-9a-f]+\.cloudfront\.net$/);
                    const host = domain ?? (report.outputs.distributionDomainName as string);
                    assert.deepEqual(web.inputs.callbackUrls, [`https://${host}/auth/callback`]);
                    assert.deepEqual(web.inputs.logoutUrls, [`https://${host}/`]);
                    // DynamoDB's gateway endpoint routes from each private subnet's table (dev spans two AZs).
                    assert.equal((byName("search-dynamodb-endpoint").inputs.routeTableIds as string[]).length, stack === "dev" ? 2 : 3);
                }
            });
        }
    }

    // What a release of each stack watches and whom it tells, read from the update-mode reports above.
    const RELEASES = {
        dev: { config: "platform-dev-all-at-once", bake: "5" },
        staging: { config: "platform-staging-rolling-25pct-3min", bake: "5" },
        prod: { config: "platform-prod-canary-10pct-10min", bake: "10" },
    } as const;
    for (const [stack, expected] of Object.entries(RELEASES)) {
        it(`${stack}: every release rolls back on what callers see and the new version's own failures, and tells the warning topic`, function () {
            const report = updates[stack];
            if (!report) this.skip();
            const of = (type: string, name: string) => {
                const r = report.resources.find((x) => x.type === type && x.name === name);
                assert.ok(r, `${type} ${name}`);
                return r as { urn: string; inputs: Record<string, any>; propertyDependencies: Record<string, string[]> }; // eslint-disable-line @typescript-eslint/no-explicit-any
            };
            const alarmName = (n: string) => of("aws:cloudwatch/metricAlarm:MetricAlarm", n).inputs.name as string;
            const group = (fn: string) => of("aws:codedeploy/deploymentGroup:DeploymentGroup", `release-${fn}`).inputs;
            assert.deepEqual(
                group("api").alarmConfiguration.alarms,
                ["api-error-rate", "api-duration-p99", "api-version-failure-rate", "gateway-5xx-rate", "gateway-latency-p99"].map(alarmName),
            );
            for (const fn of ["email-worker", "search-indexer", "ses-feedback"]) {
                assert.deepEqual(group(fn).alarmConfiguration.alarms, [`${fn}-error-rate`, `${fn}-duration-p99`].map(alarmName), fn);
            }
            const warning = of("aws:sns/topic:Topic", "alerting-warning");
            for (const fn of ["api", "email-worker", "search-indexer", "ses-feedback"]) {
                const g = group(fn);
                assert.equal(g.deploymentConfigName, expected.config, fn);
                assert.deepEqual(g.triggerConfigurations[0].triggerEvents, ["DeploymentFailure", "DeploymentStop", "DeploymentRollback"], fn);
                assert.equal(g.triggerConfigurations[0].triggerTargetArn, `arn:aws:sns:eu-west-1:123456789012:${warning.inputs.name}`, fn);
            }
            // The version alarm follows the version `pulumi up` published, and judges 5xx answers, not Lambda errors.
            const version = of("aws:cloudwatch/metricAlarm:MetricAlarm", "api-version-failure-rate");
            const failures = version.inputs.metricQueries.find((q: { id: string }) => q.id === "failures");
            assert.equal(failures.metric.metricName, "ApiServerErrors");
            assert.equal(failures.metric.namespace, `platform-${stack}`);
            assert.deepEqual(Object.keys(failures.metric.dimensions).sort(), ["FunctionVersion", "service"]);
            assert.ok(version.propertyDependencies.metricQueries.includes(of("aws:lambda/function:Function", "api-function").urn));
            const post = of("aws:lambda/function:Function", "release-post-traffic-function").inputs;
            assert.equal(post.environment.variables.BAKE_MINUTES, expected.bake);
            assert.equal(post.timeout, Number(expected.bake) * 60 + 120);
            assert.deepEqual(report.outputs.releaseHooks, {
                beforeAllowTraffic: `platform-${stack}-release-pre-traffic`,
                afterAllowTraffic: `platform-${stack}-release-post-traffic`,
            });
        });
    }
});
