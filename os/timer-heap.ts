/** A binary min-heap of timers ordered by due time, then by creation order. */
export interface HeapEntry {
  due: number;
  /** Tie-breaker: timers due at the same time fire in the order they were armed. */
  order: number;
  /** Position in the heap, or -1 when not in it. */
  index: number;
}

export class TimerHeap<T extends HeapEntry> {
  private readonly items: T[] = [];

  get size(): number {
    return this.items.length;
  }

  peek(): T | undefined {
    return this.items[0];
  }

  push(item: T): void {
    item.index = this.items.length;
    this.items.push(item);
    this.up(item.index);
  }

  pop(): T | undefined {
    const top = this.items[0];
    if (top !== undefined) this.remove(top);
    return top;
  }

  remove(item: T): void {
    const i = item.index;
    if (i < 0 || this.items[i] !== item) return;
    const last = this.items.pop() as T;
    item.index = -1;
    if (last === item) return;
    this.items[i] = last;
    last.index = i;
    this.up(i);
    this.down(last.index);
  }

  private less(a: T, b: T): boolean {
    return a.due < b.due || (a.due === b.due && a.order < b.order);
  }

  private up(i: number): void {
    const items = this.items;
    const item = items[i] as T;
    while (i > 0) {
      const parentIndex = (i - 1) >> 1;
      const parent = items[parentIndex] as T;
      if (!this.less(item, parent)) break;
      items[i] = parent;
      parent.index = i;
      i = parentIndex;
    }
    items[i] = item;
    item.index = i;
  }

  private down(i: number): void {
    const items = this.items;
    const n = items.length;
    const item = items[i] as T;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= n) break;
      const right = left + 1;
      const child = right < n && this.less(items[right] as T, items[left] as T) ? right : left;
      const childItem = items[child] as T;
      if (!this.less(childItem, item)) break;
      items[i] = childItem;
      childItem.index = i;
      i = child;
    }
    items[i] = item;
    item.index = i;
  }
}
