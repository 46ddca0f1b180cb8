/** typegrad's version, written into checkpoints (`typegrad.version`). Kept equal to package.json's by a test. */
export const TYPEGRAD_VERSION = "0.1.0";
