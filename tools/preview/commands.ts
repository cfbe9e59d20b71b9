/** The bundle `launch.js` runs: each command's entry point by its npm script's name. */
export { run as preview } from "./command";
export { run as gate } from "../gate/cli";
