export { percentile, recallAtK } from './stats.js';
export { GaussianMixture } from './synthetic.js';
export { latencyChart } from './chart.js';
export { evaluateTargets, formatTable, type BenchResults } from './report.js';
