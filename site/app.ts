/*
 * Shows the API's health on the landing page. Same origin only: CloudFront routes /api/* to the API
 * stage, and the CSP (script-src 'self', connect-src 'self') allows nothing else.
 */

interface Health {
    status?: unknown;
    version?: unknown;
}

const HEALTH_PATH = "/api/health";
const TIMEOUT_MS = 5000;

function show(state: "ok" | "down", text: string, version = ""): void {
    const status = document.getElementById("api-status");
    const versionLine = document.getElementById("api-version");
    if (status) {
        status.textContent = text;
        status.className = `state state-${state}`;
    }
    if (versionLine) versionLine.textContent = version;
}

async function showHealth(): Promise<void> {
    try {
        const res = await fetch(HEALTH_PATH, { headers: { accept: "application/json" }, cache: "no-store", signal: AbortSignal.timeout(TIMEOUT_MS) });
        const body = (await res.json().catch(() => ({}))) as Health;
        if (res.ok && body.status === "ok") {
            show("ok", "The API is up.", typeof body.version === "string" ? `Version ${body.version}` : "");
        } else {
            show("down", `The API answered ${res.status}: it is not healthy right now.`);
        }
    } catch (error) {
        const timedOut = error instanceof DOMException && error.name === "TimeoutError";
        show("down", timedOut ? `The API did not answer within ${TIMEOUT_MS / 1000} s.` : "The API could not be reached.");
    }
}

void showHealth();
