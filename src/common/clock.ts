import { Global, Injectable, Module } from '@nestjs/common';

/**
 * The time rules about deadlines and expiry read "now" from here (referral milestone deadlines and their escalation,
 * consent expiry checks, restitution deadlines), so a spec can jump a deadline instead of waiting for it:
 * `jest.spyOn(app.get(Clock), 'now').mockReturnValue(later)`, or a TestClock in a unit spec.
 */
@Injectable()
export class Clock {
  now(): Date {
    return new Date();
  }
}

/** A clock that stands still until moved: for unit specs of time rules. */
export class TestClock extends Clock {
  constructor(private current: Date = new Date()) {
    super();
  }

  override now(): Date {
    return new Date(this.current.getTime());
  }

  set(at: Date): void {
    this.current = new Date(at.getTime());
  }

  advance(ms: number): Date {
    this.current = new Date(this.current.getTime() + ms);
    return this.now();
  }
}

/** Provides the system Clock to every module of the API and the worker. */
@Global()
@Module({ providers: [Clock], exports: [Clock] })
export class ClockModule {}
