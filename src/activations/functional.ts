// The functional activation API in one place: each function holds the maths (forward and
// backward declared together); the modules in modules*.ts hold only state and defaults.
export { identity, logSigmoid, sigmoid, tanh } from "./basic.js";
export { elu, leakyRelu, relu, selu, SELU_ALPHA, SELU_SCALE } from "./relu-family.js";
export { gelu, type GeluApproximation, type GeluOptions } from "./gelu.js";
export { mish, silu, softplus, type SoftplusOptions } from "./smooth.js";
export { swish } from "./swish.js";
export { leaf, prelu } from "./prelu.js";
export { LEAF_PRESETS, leafExtended, type LeafParams, type LeafPreset } from "./leaf.js";
export { logSoftmax, softmax } from "../autograd/ops/softmax.js";
export { erf, erfc } from "./erf.js";
