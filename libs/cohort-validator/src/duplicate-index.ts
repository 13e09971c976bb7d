import { AddressSet } from './address-set.js';
import { canonicalMailbox } from './canonical-mailbox.js';
import { detach } from './detach.js';

/** Lines kept per duplicated address; beyond it they are only counted. */
const MAX_LINES_PER_GROUP = 1_000;
/** Variant addresses kept as text to name them in a finding; past it a finding names their line only. */
const MAX_VARIANT_EMAILS = 10_000;

export interface DuplicateGroup {
  /** the lower-cased address (exact) or the mailbox they reach (likely) */
  key: string;
  lines: number[];
  /** the address on each line of `lines`, null when it was not kept (an earlier variant) */
  emails: (string | null)[];
  /** lines not kept in `lines` */
  more: number;
}

/**
 * Finds exact (case-insensitive) and likely duplicates in one pass. Memory is
 * one AddressSet slot per distinct address, one more per "variant" (an address
 * that differs from the mailbox it reaches: plus-tags, gmail dots), and a
 * group object only for the addresses that do repeat.
 */
export class DuplicateIndex {
  private readonly first = new AddressSet();
  /** mailbox → first line of a variant reaching it */
  private readonly variantMailboxes = new AddressSet();
  private readonly exact = new Map<string, DuplicateGroup>();
  private readonly likely = new Map<string, DuplicateGroup>();
  private readonly variantEmails = new Map<string, string>();
  /** duplicate occurrences not grouped because maxGroups was reached */
  droppedOccurrences = 0;
  /** likely-duplicate groups not made because maxGroups was reached */
  droppedLikely = 0;

  constructor(private readonly maxGroups: number) {}

  /** Records an address; true when it is the first time it is seen. */
  add(lower: string, line: number): boolean {
    const firstLine = this.first.addOrGet(lower, line);
    if (firstLine !== undefined) {
      this.addExact(lower, firstLine, line);
      return false;
    }
    const mailbox = canonicalMailbox(lower);
    if (mailbox === lower) {
      const variantLine = this.variantMailboxes.get(mailbox);
      if (variantLine !== undefined) this.addLikely(mailbox, variantLine, this.variantEmails.get(mailbox) ?? null, line, lower);
      return true;
    }
    const plainLine = this.first.get(mailbox);
    const variantLine = this.variantMailboxes.addOrGet(mailbox, line);
    if (plainLine !== undefined) this.addLikely(mailbox, plainLine, mailbox, line, lower);
    else if (variantLine !== undefined) this.addLikely(mailbox, variantLine, this.variantEmails.get(mailbox) ?? null, line, lower);
    else if (this.variantEmails.size < MAX_VARIANT_EMAILS) this.variantEmails.set(detach(mailbox), detach(lower));
    return true;
  }

  exactGroups(): IterableIterator<DuplicateGroup> {
    return this.exact.values();
  }

  likelyGroups(): IterableIterator<DuplicateGroup> {
    return this.likely.values();
  }

  private addExact(lower: string, firstLine: number, line: number): void {
    const group = this.exact.get(lower);
    if (group) return push(group, line, null);
    if (this.exact.size >= this.maxGroups) {
      this.droppedOccurrences++;
      return;
    }
    const key = detach(lower);
    this.exact.set(key, { key, lines: [firstLine, line], emails: [key, key], more: 0 });
  }

  private addLikely(mailbox: string, earlierLine: number, earlierEmail: string | null, line: number, email: string): void {
    const group = this.likely.get(mailbox);
    if (group) return push(group, line, detach(email));
    if (this.likely.size >= this.maxGroups) {
      this.droppedLikely++;
      return;
    }
    const key = detach(mailbox);
    this.likely.set(key, { key, lines: [earlierLine, line], emails: [earlierEmail && detach(earlierEmail), detach(email)], more: 0 });
  }
}

function push(group: DuplicateGroup, line: number, email: string | null): void {
  if (group.lines.length < MAX_LINES_PER_GROUP) {
    group.lines.push(line);
    group.emails.push(email);
  } else {
    group.more++;
  }
}
