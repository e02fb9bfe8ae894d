import { writeFileSync } from 'node:fs';
import { messageOf } from './collector.js';
import type { LocalConfig } from './config.js';
import { recordSnapshot } from './record.js';
import { loadRecording, replaySnapshot } from './replay.js';
import { formatSnapshot, type Snapshot, snapshotCollectors, takeSnapshot } from './snapshot.js';

export interface SnapshotRequest {
  /** print JSON instead of the German summary */
  json: boolean;
  config: LocalConfig;
  /** write the raw inputs of this machine to this file */
  record?: string;
  /** compute the observations from this recording instead of this machine */
  replay?: string;
}

/**
 * `lagebild-agent snapshot`: measures this machine once, records its raw inputs (`--record FILE`) or
 * computes the observations from a recording (`--replay FILE`). A malformed recording throws
 * ReplayFormatError (the CLI exits with 2).
 */
export async function snapshotCommand(
  req: SnapshotRequest,
  io: { out(text: string): Promise<void>; err(text: string): void },
): Promise<number> {
  const onError = (name: string, e: unknown) => io.err(`${name}: ${messageOf(e)}\n`);
  let snap: Snapshot;
  if (req.replay) {
    snap = await replaySnapshot(loadRecording(req.replay), onError);
  } else if (req.record) {
    const { snapshot, recording } = await recordSnapshot(req.config, onError);
    try {
      writeFileSync(req.record, `${JSON.stringify(recording, null, 2)}\n`, { mode: 0o600 });
    } catch (e) {
      io.err(`lagebild-agent: cannot write recording ${req.record}: ${messageOf(e)}\n`);
      return 1;
    }
    io.err(`raw inputs recorded in ${req.record} (replay: lagebild-agent snapshot --replay ${req.record})\n`);
    snap = snapshot;
  } else {
    const set = snapshotCollectors(req.config);
    snap = await takeSnapshot(set, req.config.probes ?? [], onError);
  }
  await io.out(req.json ? `${JSON.stringify(snap, null, 2)}\n` : formatSnapshot(snap));
  return 0;
}
