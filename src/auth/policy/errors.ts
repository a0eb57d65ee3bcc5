/** A policy document that cannot be compiled; the message says why. */
export class PolicyError extends Error {}
