/**
 * The store conformance suite: every sessionkit store, and any third-party store, runs these
 * cases against a real engine. Runner-agnostic, built on node:assert/strict.
 * @module
 */
export { CAPABILITY_METHODS } from './capabilities.js'
export { type CaseResult, runConformance } from './run.js'
export { conformanceCases, testStore } from './suite.js'
export type {
  Capability,
  CaseOptions,
  CaseOutcome,
  ConformanceCase,
  ConformanceOptions,
  StoreFactory,
} from './types.js'
