/**
 * Facts about one function that several rules ask for: the bracket events of a resource and its
 * balance along every path. Each is computed on first request and shared by every rule that runs
 * on the function, so two rules about the gather walk its paths once.
 */
import { BracketIndex, checkBalance, type BalanceResult, type BracketSummaries } from '../analysis/brackets.js';
import type { AnalyzedFunction } from '../analysis/file.js';
import type { Resource } from './resources.js';

export class FunctionFacts {
  private readonly indexes = new Map<string, BracketIndex>();
  private readonly balances = new Map<string, BalanceResult>();

  constructor(
    readonly fn: AnalyzedFunction,
    readonly summaries: BracketSummaries,
  ) {}

  /** The events of `resource` in the function, on the objects it owns. */
  brackets(resource: Resource): BracketIndex {
    let index = this.indexes.get(resource.id);
    if (!index) {
      index = new BracketIndex(this.fn, resource, this.summaries);
      this.indexes.set(resource.id, index);
    }
    return index;
  }

  /** Whether `resource` balances on every feasible path, and where it does not. */
  balance(resource: Resource): BalanceResult {
    let result = this.balances.get(resource.id);
    if (!result) {
      result = checkBalance(this.fn, this.brackets(resource));
      this.balances.set(resource.id, result);
    }
    return result;
  }
}
