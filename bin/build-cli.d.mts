// Types of bin/build-cli.mjs (plain JavaScript, so that it runs before any TypeScript loader).
export declare const PROJECT_ROOT: string;
export declare function buildsDir(root?: string): string;
export declare function freshEntry(root?: string): string | undefined;
export declare function canBuild(root?: string): boolean;
export interface CliBuild {
  readonly id: string;
  readonly entry: string;
  readonly inputs: number;
  readonly ms: number;
}
export declare function buildCli(root?: string): Promise<CliBuild>;
export declare function compiledEntry(root?: string, env?: Record<string, string | undefined>): Promise<string | undefined>;
