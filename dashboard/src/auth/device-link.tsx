import type { ComponentChildren } from 'preact';
import { Link } from '../router.js';
import { devicePath } from '../routes.js';
import { canOpenDevices, useRole } from './context.js';

/** A link to a device's page for roles that may open it; plain text for the others (viewer). */
export function DeviceLink({ id, children }: { id: string; children: ComponentChildren }) {
  return canOpenDevices(useRole()) ? <Link href={devicePath(id)}>{children}</Link> : children;
}
