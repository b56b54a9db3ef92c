declare module 'graphology-layout-forceatlas2/iterate.js' {
  /** One ForceAtlas2 iteration over flat matrices (10 floats per node, 3 per edge), in place. */
  export default function iterate(settings: object, nodes: Float32Array, edges: Float32Array): void;
}
