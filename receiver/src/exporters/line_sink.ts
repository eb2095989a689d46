// Where the line exporters write: the bytes of one batch, written from
// `written` on. A sink advances `written` as bytes land, so a batch retried
// after a failure part-way resumes where it stopped: no line twice, none cut.
export interface Chunk {
  bytes: Buffer;
  written: number;
}

export interface LineSink {
  write(chunk: Chunk): Promise<void>;
  close(): Promise<void>;
}
