// The drill catalogue's coverage gate and the deployment view's freshness both read the update-mode
// previews of every stack: one file, so one mocha process makes those previews once for both.
import { describeCatalogue } from "./drill/catalogue";
import { describeDeploymentView } from "./docs/deployment-view";
import { describeStandby } from "./stacks/prod-dr";
import { describeCapacityViews } from "./tools/capacity-views";
import { describeRecoveryViews } from "./recovery/stack-views";

describeCatalogue();
describeDeploymentView();
// prod's disaster recovery (shared prod preview) and the one preview of its standby, prod-dr, with the pack.
describeStandby();
describeCapacityViews();
describeRecoveryViews();
