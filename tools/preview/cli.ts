/**
 * `npm run preview`: the offline preview of one stack. The command runs from a bundle of its sources
 * (`launch.js`, rebuilt when a source changes), so ts-node, which the npm script starts, transpiles this
 * file alone instead of every module of the command at every start.
 */
export { COMMAND } from "./command-spec";

if (require.main === module) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    (require("./launch.js") as { launch(command: string, argv: readonly string[]): void }).launch("preview", process.argv.slice(2));
}
