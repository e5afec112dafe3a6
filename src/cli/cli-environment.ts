/** What a command gets of its process: the environment and the two output streams. */
export interface CliEnvironment {
  env: NodeJS.ProcessEnv;
  stdout: NodeJS.WriteStream;
  stderr: NodeJS.WriteStream;
}
