let enabled = true;

/** Whether operations currently record graph nodes. */
export function isGradEnabled(): boolean {
  return enabled;
}

/**
 * Runs `fn` with graph recording off (for evaluation, prediction and parameter updates)
 * and restores the previous mode afterwards, even if `fn` throws.
 *
 * @returns what `fn` returns
 */
export function noGrad<T>(fn: () => T): T {
  const previous = enabled;
  enabled = false;
  try {
    return fn();
  } finally {
    enabled = previous;
  }
}

/** Runs `fn` with graph recording on (inside a {@link noGrad} block, for example). */
export function enableGrad<T>(fn: () => T): T {
  const previous = enabled;
  enabled = true;
  try {
    return fn();
  } finally {
    enabled = previous;
  }
}
