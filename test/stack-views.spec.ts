// The drill catalogue's coverage gate and the deployment view's freshness both read the update-mode
// previews of every stack: one file, so one mocha process makes those previews once for both.
import { describeCatalogue } from "./drill/catalogue";
import { describeDeploymentView } from "./docs/deployment-view";

describeCatalogue();
describeDeploymentView();
