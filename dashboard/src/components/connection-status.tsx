import { useLang } from '../hooks.js';
import type { MessageKey } from '../i18n.js';
import type { ConnectionStatus } from '../state.js';

const LABELS: Record<ConnectionStatus, MessageKey> = {
  connecting: 'conn.connecting',
  live: 'conn.live',
  reconnecting: 'conn.reconnecting',
};

/** "Live" or "Verbindung wird wiederhergestellt …", announced politely to screen readers. */
export function ConnectionStatusBadge({ status }: { status: ConnectionStatus }) {
  const [, t] = useLang();
  return (
    <p
      class={`conn conn-${status}`}
      role="status"
      aria-live="polite"
      data-testid="connection-status"
      data-state={status}
    >
      <span class="conn-dot" aria-hidden="true" />
      {t(LABELS[status])}
    </p>
  );
}
