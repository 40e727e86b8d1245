// The ONNX writer lives with the demo, which runs a real model for its robustness evidence.
export * from '../../src/demo/onnx-model.ts';
