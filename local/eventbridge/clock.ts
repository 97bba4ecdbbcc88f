// the bus runs on the local stack's one clock and randomness
export { type Clock, ManualClock, systemClock } from '../clock';
export { mathRandom, type RandomSource, seededRandom } from '../random';
