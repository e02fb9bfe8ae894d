import { GroupKind, LatencyStats } from '@lagebild/shared';
import type { FastifyInstance } from 'fastify';
import Type from 'typebox';
import { described, errorResponses, Tag } from '../api-schemas.js';
import { requestInvalid } from '../http-errors.js';
import type { StatsQuery } from '../store/store.js';

const DAY_MS = 86_400_000;
/** Hour rollups are kept 400 days by default; a longer range could only be partly answered. */
const MAX_RANGE_MS = 400 * DAY_MS;
/** Points per series; the same guard as /apps/latency. */
const MAX_BUCKETS = 10_080;
/** Devices in one per-device query, and points over all of them. */
const MAX_DEVICES = 1000;
const MAX_DEVICE_POINTS = 100_000;

/** Longest single value (group names, device ids); a comma list of 1000 device ids is far longer. */
const MAX_VALUE = 256;
const List = (what: string) =>
  Type.Array(Type.String({ maxLength: MAX_DEVICES * (MAX_VALUE + 1) }), {
    maxItems: MAX_DEVICES,
    description: `${what}; repeat the parameter or separate values with commas.`,
  });

const StatsQuerystring = Type.Object(
  {
    minutes: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: MAX_RANGE_MS / 60_000,
        description: 'Range ending now (default 60); not together with from/to.',
      }),
    ),
    from: Type.Optional(Type.Integer({ minimum: 0, description: 'Range start, epoch ms; needs `to`.' })),
    to: Type.Optional(Type.Integer({ minimum: 0, description: 'Range end, epoch ms; needs `from`.' })),
    bucketSec: Type.Optional(
      Type.Integer({
        minimum: 0,
        maximum: MAX_RANGE_MS / 1000,
        description:
          'Bucket width in seconds, a multiple of 60 (whole hours are answered from hour rollups); ' +
          '0 (default) = one total per series over the whole range.',
      }),
    ),
    groupBy: Type.Optional(
      described(
        GroupKind,
        'Group the series by: whole fleet (default), VPN gateway, site, org unit, device.',
      ),
    ),
    app: Type.Optional(List('Only these Fachverfahren (default: all)')),
    group: Type.Optional(
      List(
        'Only these groups (gateway hosts, sites, org units; empty = devices without one); ' +
          `device ids for groupBy=device, required there, at most ${MAX_DEVICES}`,
      ),
    ),
  },
  { description: 'Which statistics: time range, buckets, grouping and filters.' },
);

interface StatsQuerystring {
  minutes?: number;
  from?: number;
  to?: number;
  bucketSec?: number;
  groupBy?: GroupKind;
  app?: string[];
  group?: string[];
}

/** Comma lists and repeated parameters as one list without duplicates. */
function splitList(name: string, values: string[] | undefined, keepEmpty: boolean): string[] | undefined {
  if (values === undefined) return undefined;
  const out = new Set<string>();
  for (const v of values) {
    for (const part of v.split(',')) {
      if (part.length > MAX_VALUE)
        throw requestInvalid(`querystring: a ${name} value must not be longer than ${MAX_VALUE} characters`);
      if (keepEmpty || part !== '') out.add(part);
    }
  }
  return [...out];
}

/** Turns the query string into a store query; every contradiction is a 400 naming the fields. */
export function toStatsQuery(qs: StatsQuerystring, now: number): StatsQuery {
  const { minutes, from, to, bucketSec = 0, groupBy = 'all' } = qs;
  if (minutes !== undefined && (from !== undefined || to !== undefined))
    throw requestInvalid('querystring: give either minutes or from and to, not both');
  if ((from === undefined) !== (to === undefined))
    throw requestInvalid('querystring: from and to must be given together');
  const range =
    from !== undefined && to !== undefined ? { from, to } : { from: now - (minutes ?? 60) * 60_000, to: now };
  if (range.to <= range.from) throw requestInvalid('querystring: to must be after from');
  if (range.to - range.from > MAX_RANGE_MS)
    throw requestInvalid(`querystring: the range must not exceed ${MAX_RANGE_MS / DAY_MS} days`);
  if (bucketSec % 60 !== 0)
    throw requestInvalid('querystring: bucketSec must be a multiple of 60 (rollups are per minute)');
  const buckets = bucketSec > 0 ? Math.ceil((range.to - range.from) / (bucketSec * 1000)) : 1;
  if (buckets > MAX_BUCKETS)
    throw requestInvalid(
      `querystring: the range in ${bucketSec}-second buckets is more than ${MAX_BUCKETS} buckets`,
    );

  const apps = splitList('app', qs.app, false);
  const groups = splitList('group', qs.group, true);
  if (groupBy === 'all' && groups !== undefined)
    throw requestInvalid('querystring: group needs groupBy gateway, site, orgUnit or device');
  if (groupBy === 'device') {
    if (!groups || groups.length === 0 || groups.every((g) => g === ''))
      throw requestInvalid('querystring: groupBy=device needs the device ids in group');
    if (groups.length > MAX_DEVICES)
      throw requestInvalid(`querystring: at most ${MAX_DEVICES} devices per query, got ${groups.length}`);
    if (groups.length * buckets > MAX_DEVICE_POINTS)
      throw requestInvalid(
        `querystring: ${groups.length} devices × ${buckets} buckets are more than ${MAX_DEVICE_POINTS} points`,
      );
  }
  return {
    ...range,
    bucketSec,
    groupBy,
    // `app=` with nothing selected means every Fachverfahren, not none
    ...(apps !== undefined && apps.length > 0 ? { apps } : {}),
    ...(groups !== undefined
      ? { groups: groupBy === 'device' ? groups.filter((g) => g !== '') : groups }
      : {}),
  };
}

/** GET /apps/stats under /api/v1: percentiles per Fachverfahren and group, from rollups. */
export default async function statsApi(app: FastifyInstance): Promise<void> {
  app.get<{ Querystring: StatsQuerystring }>(
    '/apps/stats',
    {
      schema: {
        tags: [Tag.apps],
        operationId: 'getAppStats',
        summary: 'Fachverfahren latency percentiles by group',
        description:
          'p50/p95/p99, count, errors, average, minimum and maximum per Fachverfahren and group (whole fleet, ' +
          'VPN gateway, site, org unit or chosen devices), as totals or time buckets. Computed from minute or ' +
          'hour rollups (percentiles within 2 %); samples reach the rollups within seconds.',
        querystring: StatsQuerystring,
        response: {
          200: described(LatencyStats, 'One series per Fachverfahren and group, with its points.'),
          ...errorResponses(400),
        },
      },
    },
    async (request) => app.store.latencyStats(toStatsQuery(request.query, app.lagebild.now())),
  );
}
