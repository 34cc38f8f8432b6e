// The leases this browser tab holds on cases, so a reload keeps a claim. The server is the authority:
// a lease is only used while it has not lapsed and the case still names its reviewer.
import type { CaseSummary, Lease } from '../api/types';

const STORAGE_KEY = 'riskgate.leases';

/** Forget every lease of this tab (at sign-out: the next reviewer in the tab must claim for themselves). */
export function forgetLeases(): void {
  sessionStorage.removeItem(STORAGE_KEY);
}

function readAll(): Record<string, Lease> {
  try {
    return (JSON.parse(sessionStorage.getItem(STORAGE_KEY) ?? '{}') as Record<string, Lease>) ?? {};
  } catch {
    return {};
  }
}

function writeAll(leases: Record<string, Lease>): void {
  sessionStorage.setItem(STORAGE_KEY, JSON.stringify(leases));
}

export function rememberLease(caseId: string, lease: Lease): void {
  writeAll({ ...readAll(), [caseId]: lease });
}

export function forgetLease(caseId: string): void {
  const { [caseId]: _forgotten, ...rest } = readAll();
  writeAll(rest);
}

/** The lease this tab holds on the case, if it is still good. */
export function heldLease(c: CaseSummary, now = Date.now()): Lease | null {
  const lease = readAll()[c.id];
  if (!lease) return null;
  if (lease.expires_at <= now || c.status === 'decided' || c.claimed_by !== lease.reviewer) {
    forgetLease(c.id);
    return null;
  }
  return lease;
}
