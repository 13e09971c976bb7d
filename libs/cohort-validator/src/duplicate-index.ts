import { canonicalMailbox } from './email-address.js';

/** Lines kept per duplicated address; beyond it they are only counted. */
const MAX_LINES_PER_GROUP = 1_000;

export interface DuplicateGroup {
  /** the lower-cased address (exact) or the mailbox they reach (likely) */
  key: string;
  lines: number[];
  /** the distinct addresses, for likely duplicates */
  emails: string[];
  /** lines not kept in `lines` */
  more: number;
}

/**
 * Finds exact (case-insensitive) and likely duplicates in one pass. Memory is
 * one map entry per distinct address; groups are only made for the addresses
 * that repeat, and "variant" bookkeeping only for addresses that differ from
 * the mailbox they reach (plus-tags, gmail dots), which are rare.
 */
export class DuplicateIndex {
  private readonly first = new Map<string, number>();
  private readonly exact = new Map<string, DuplicateGroup>();
  private readonly variants = new Map<string, DuplicateGroup>();
  /** exact groups not made because maxGroups was reached */
  droppedGroups = 0;

  constructor(private readonly maxGroups: number) {}

  /** Records an address; true when it is the first time it is seen. */
  add(lower: string, line: number): boolean {
    const firstLine = this.first.get(lower);
    if (firstLine !== undefined) {
      this.addExact(lower, firstLine, line);
      return false;
    }
    this.first.set(lower, line);
    const canonical = canonicalMailbox(lower);
    const group = this.variants.get(canonical);
    if (canonical !== lower && !group) {
      const plain = this.first.get(canonical);
      const fresh: DuplicateGroup = { key: canonical, lines: [], emails: [], more: 0 };
      if (plain !== undefined) push(fresh, canonical, plain);
      push(fresh, lower, line);
      this.variants.set(canonical, fresh);
    } else if (group) {
      push(group, lower, line);
    }
    return true;
  }

  exactGroups(): IterableIterator<DuplicateGroup> {
    return this.exact.values();
  }

  likelyGroups(): DuplicateGroup[] {
    return [...this.variants.values()].filter((g) => g.emails.length > 1);
  }

  private addExact(lower: string, firstLine: number, line: number): void {
    const group = this.exact.get(lower);
    if (group) {
      if (group.lines.length < MAX_LINES_PER_GROUP) group.lines.push(line);
      else group.more++;
      return;
    }
    if (this.exact.size >= this.maxGroups) {
      this.droppedGroups++;
      return;
    }
    this.exact.set(lower, { key: lower, lines: [firstLine, line], emails: [lower], more: 0 });
  }
}

function push(group: DuplicateGroup, email: string, line: number): void {
  if (group.lines.length < MAX_LINES_PER_GROUP) {
    group.lines.push(line);
    group.emails.push(email);
  } else {
    group.more++;
  }
}
