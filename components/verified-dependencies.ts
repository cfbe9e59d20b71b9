/**
 * The check every adapter of a dependency's private code makes before it uses it (tools/preview/
 * sdk-internals.ts for the Pulumi SDK, components/bundle-internals.ts for what the Lambda bundles rewrite):
 * is the installed release one the adapter was verified on?
 */
import * as semver from "semver";

/** Set to try a release outside a verified range anyway: shape checks still run, and a notice says so. */
export const ALLOW_UNVERIFIED_ENV = "PLATFORM_ALLOW_UNVERIFIED_DEPENDENCIES";

/** An installed dependency is outside the range its internals were verified on, or one changed shape. */
export class UnverifiedDependencyError extends Error {
    override readonly name = "UnverifiedDependencyError";
}

/**
 * Whether `installed` of `pkg` is a release its internals were verified on. Outside the range it throws,
 * naming the package, the version and the range, unless ALLOW_UNVERIFIED_ENV is set (then it gives one
 * notice and answers false).
 */
export function checkVerifiedVersion(
    pkg: string,
    installed: string,
    range: string,
    usedBy: string,
    notice: (line: string) => void = (l) => console.error(l),
): boolean {
    if (semver.valid(installed) && semver.satisfies(installed, range, { includePrerelease: true })) {
        return true;
    }
    const message =
        `${pkg} ${installed} is outside the range ${usedBy} was verified on (${range}): it uses private code of ${pkg} that may have changed. ` +
        `Install a release in that range, or re-verify (its shape spec) and widen the range; ${ALLOW_UNVERIFIED_ENV}=1 tries it anyway.`;
    if (process.env[ALLOW_UNVERIFIED_ENV]) {
        notice(`notice: ${message}`);
        return false;
    }
    throw new UnverifiedDependencyError(message);
}
