// The page of test/kernels-relaxed.test.ts's Chromium check: the relaxed kernels' report.
import { relaxedChecks } from "../helpers/relaxed-checks.js";

(globalThis as unknown as { relaxedReport: unknown }).relaxedReport = relaxedChecks();
