import { strict as assert } from "node:assert";
import { StackRun, runProgram } from "./program";

const CERT = "arn:aws:acm:us-east-1:123456789012:certificate/0a1b2c3d-4e5f-6789-abcd-ef0123456789";

/**
 * Where Cognito's hosted sign-in sends the browser back: the site the stack serves. The distribution's
 * own domain is checked in the offline preview (test/preview/stacks.spec.ts, update mode); this is
 * the custom-domain case, which needs config the stack files do not set.
 */
describe("sign-in URLs with a custom edge domain", function () {
    this.timeout(120000);
    let stack: StackRun;

    before(async function () {
        stack = await runProgram("prod", { "platform:edgeDomainName": "shop.example.com", "platform:edgeCertificateArn": CERT });
    });

    it("the web client returns to the custom domain, not the sending domain or the cloudfront.net name", function () {
        const web = stack.run.one("aws:cognito/userPoolClient:UserPoolClient", "identity-web-client");
        assert.deepEqual(web.inputs.callbackUrls, ["https://shop.example.com/auth/callback"]);
        assert.deepEqual(web.inputs.logoutUrls, ["https://shop.example.com/"]);
        assert.deepEqual(stack.run.one("aws:cloudfront/distribution:Distribution", "edge-distribution").inputs.aliases, ["shop.example.com"]);
    });

    it("a known domain makes the client wait for nothing: it does not depend on the distribution", function () {
        const web = stack.run.one("aws:cognito/userPoolClient:UserPoolClient", "identity-web-client");
        const distribution = stack.run.one("aws:cloudfront/distribution:Distribution", "edge-distribution");
        assert.ok(!web.dependencies.includes(distribution.urn), "the client waits on the distribution although the URL is known");
    });

    it("the machine client has no hosted-UI URLs, and only the web client gets a managed login style", function () {
        const machine = stack.run.one("aws:cognito/userPoolClient:UserPoolClient", "identity-machine-client");
        assert.equal(machine.inputs.callbackUrls, undefined);
        const branding = stack.run.ofType("aws:cognito/managedLoginBranding:ManagedLoginBranding");
        assert.deepEqual(branding.map((b) => b.name), ["identity-web-login-branding"]);
    });
});
