export {
  buildHardCases,
  HARD_CASE_PHOTOS,
  type HardCase,
  type HardCaseGroup,
  type HardCasePhotos,
  type HardCaseVariant,
  type TruthRegion,
} from './lib/evaluation/hard-cases';
export {
  scoreCase,
  summarize,
  formatSummary,
  type CaseScore,
  type PrivacySummary,
  type RegionScore,
} from './lib/evaluation/privacy-score';
export { evaluatePrivacy, type EvaluatedCase } from './lib/evaluation/evaluate';
