// The one error type tspod shows users: a message naming the cause and the
// fix, and the exit code podman would use (125 own error, 126, 127).
export class TspodError extends Error {
  constructor(message: string, readonly exitCode: number = 125) {
    super(message);
    this.name = 'TspodError';
  }
}

export function errnoCode(err: unknown): string | undefined {
  return typeof err === 'object' && err !== null && 'code' in err ? String((err as { code: unknown }).code) : undefined;
}
