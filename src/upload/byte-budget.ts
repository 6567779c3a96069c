/**
 * Bounds the bytes of file content held in memory by all batches in flight.
 * A batch larger than the whole budget waits until nothing else holds any, then goes alone.
 */
export class ByteBudget {
  private used = 0;
  private waiters: Array<() => void> = [];

  constructor(private readonly capacity: number) {}

  async acquire(bytes: number): Promise<number> {
    const amount = Math.min(bytes, this.capacity);
    while (this.used + amount > this.capacity) {
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
    this.used += amount;
    return amount;
  }

  release(amount: number): void {
    this.used -= amount;
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }
}
