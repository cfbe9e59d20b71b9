/** The runtime every platform function runs on (the bundles target its Node.js major). */
export const FUNCTION_RUNTIME = "nodejs24.x";

/** Graviton: cheaper per GB-second than x86 for the same work. */
export const FUNCTION_ARCHITECTURE = "arm64";

/**
 * Lambda runtimes AWS still supports as of 2026-12 (its runtime deprecation table): the policy pack's
 * default allow-list. Left out because AWS deprecated them: nodejs20.x (2026-04-30), python3.10 and
 * python3.11, java17 and provided.al2 (Amazon Linux 2, 2026-06-30), dotnet8 (2026-11-10).
 */
export const SUPPORTED_RUNTIMES = [
    "nodejs22.x",
    "nodejs24.x",
    "python3.12",
    "python3.13",
    "python3.14",
    "java21",
    "java25",
    "dotnet10",
    "ruby3.3",
    "ruby3.4",
    "provided.al2023",
] as const;

/** Name of the alias every trigger invokes; releases move it between versions. */
export const LIVE_ALIAS = "live";
