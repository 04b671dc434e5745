/** The middle of `values` (of an even count, the upper of the two middle ones): every median the bench prints. */
export const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]
