export * from './native/format.ts';
export * from './native/writer.ts';
