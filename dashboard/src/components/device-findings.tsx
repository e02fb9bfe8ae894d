import type { DeviceDetail } from '@lagebild/shared';

/**
 * Where the Analysetool's findings for this device will be shown (issue 7). The device detail API
 * carries no findings yet, so this renders nothing; it is the one place to fill in once it does.
 */
export function DeviceFindings(_props: { device: DeviceDetail }) {
  return null;
}
