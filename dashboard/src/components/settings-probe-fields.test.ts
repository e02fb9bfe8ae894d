import { describe, expect, it } from 'vitest';
import { draftOf, emptyDraft, probeOf, problemFields } from './settings-probe-fields.js';

describe('settings probe form fields', () => {
  it('turns the typed text into a probe, numbers as numbers and text the server must judge as text', () => {
    const draft = {
      ...emptyDraft(),
      id: ' bau ',
      app: 'Bauportal',
      target: 'https://bau.example/',
      expectStatus: '200, 302',
    };
    expect(probeOf(draft)).toEqual({
      id: 'bau',
      app: 'Bauportal',
      kind: 'http',
      target: 'https://bau.example/',
      intervalSec: 60,
      timeoutMs: 5000,
      expectStatus: [200, 302],
    });
    expect(probeOf({ ...draft, intervalSec: 'oft', expectStatus: '' })).toMatchObject({ intervalSec: 'oft' });
    expect(probeOf({ ...draft, expectStatus: '' })).not.toHaveProperty('expectStatus');
  });

  it('keeps the fields the form does not show when a probe is edited', () => {
    const original = {
      id: 'gis',
      app: 'GIS',
      kind: 'tcp' as const,
      target: 'gis:443',
      intervalSec: 30,
      timeoutMs: 3000,
      jitter: 0.3,
      ipVersion: 6 as const,
    };
    expect(probeOf(draftOf(original), original)).toEqual(original);
  });

  it('maps the server’s validation message onto the fields of the edited probe only', () => {
    const msg =
      'body.probes[1].intervalSec must be >= 5; body.probes[1].kind must be equal to constant; ' +
      'body.probes[0].timeoutMs must be integer';
    expect(problemFields(msg, 1)).toEqual({
      fields: ['kind', 'intervalSec'],
      duplicateId: false,
      other: ['body.probes[0].timeoutMs must be integer'],
    });
    expect(problemFields('body.probes: probe id(s) used more than once: gis', 2)).toMatchObject({
      fields: ['id'],
      duplicateId: true,
    });
    expect(problemFields('body.probes[0] must have required properties app', 0).fields).toEqual(['app']);
    // the preview validates one probe: no index in the path
    expect(problemFields('body.expectStatus[0] must be >= 100', null).fields).toEqual(['expectStatus']);
  });
});
