import type { OrderEvent } from "../shared/domain";

export interface RenderedEmail {
    subject: string;
    text: string;
    html: string;
}

const escapeHtml = (value: string): string =>
    value.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c] ?? c);

export function formatAmount(minorUnits: number, currency: string): string {
    return new Intl.NumberFormat("en", { style: "currency", currency }).format(minorUnits / 100);
}

/** Customer-supplied text (SKUs, the note) is escaped: the HTML part must never carry their markup. */
export function renderEmail(event: OrderEvent): RenderedEmail {
    const { order } = event;
    const created = event.type === "order.created";
    const subject = created ? `Order ${order.id} confirmed` : `Order ${order.id} cancelled`;
    const lines = order.items.map((item) => `${item.quantity} x ${item.sku} at ${formatAmount(item.unitPrice, order.currency)}`);
    const intro = created ? "Thank you for your order." : "Your order has been cancelled. You will not be charged.";
    const total = `Total: ${formatAmount(order.total, order.currency)}`;
    const text = [intro, "", `Order ${order.id}`, ...lines, total, ...(order.note ? ["", `Note: ${order.note}`] : [])].join("\n");
    const html = [
        `<p>${escapeHtml(intro)}</p>`,
        `<p>Order <strong>${escapeHtml(order.id)}</strong></p>`,
        `<ul>${lines.map((line) => `<li>${escapeHtml(line)}</li>`).join("")}</ul>`,
        `<p>${escapeHtml(total)}</p>`,
        ...(order.note ? [`<p>Note: ${escapeHtml(order.note)}</p>`] : []),
    ].join("");
    return { subject, text, html };
}
