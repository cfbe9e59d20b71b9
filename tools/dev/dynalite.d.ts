// dynalite ships no type declarations; it returns a Node http(s) server.
declare module "dynalite" {
    import type { Server } from "node:http";
    function dynalite(options?: { createTableMs?: number; deleteTableMs?: number; updateTableMs?: number; path?: string }): Server;
    export = dynalite;
}
