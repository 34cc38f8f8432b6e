// Who a CLI change is recorded as in the audit trail and the rule and list histories.
import { userInfo } from 'node:os';

function username(): string {
  if (process.env.USER) return process.env.USER;
  try {
    return userInfo().username;
  } catch {
    return 'unknown'; // no passwd entry for the user id (some containers)
  }
}

export const CLI_ACTOR = `cli:${username()}`;
