import type { BasePersistenceLayer } from "@aws-lambda-powertools/idempotency/persistence";
import type { EventPublisher } from "../shared/event-publisher";
import type { Observability } from "../shared/observability";
import type { OrderStore } from "../shared/order-store";
import type { SearchStore } from "../shared/search-store";

/** Everything the API needs from the outside world, so tests can hand it emulators or mocks. */
export interface ApiDeps {
    store: OrderStore;
    publisher: EventPublisher;
    /** Absent where the stack has no search collection (or locally): the search route then answers 503. */
    search?: SearchStore;
    /** The persistence layer, or a factory the create route calls on the first POST /orders. */
    idempotencyStore: BasePersistenceLayer | (() => BasePersistenceLayer);
    observability: Observability;
    version: string;
    now?: () => Date;
}
