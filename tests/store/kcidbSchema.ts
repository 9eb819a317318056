/**
 * The part of KCIDB's I/O schema v5 (latest minor: 5.3) that lockreplay's
 * export produces: the top-level object, `issues` and `incidents`, written as
 * a JSON Schema from KCIDB's own definition:
 * https://github.com/kernelci/kcidb-io/blob/main/kcidb_io/schema/v05_03.py
 * (`issue`, `incident`, the version object; `origin_pattern` and
 * `origin_id_pattern` from kcidb_io/schema/v04_00.py). The properties,
 * patterns, formats, required lists and additionalProperties are KCIDB's;
 * checkouts, builds and tests are left out (lockreplay writes none: their
 * IDs come from the CI system, given at ingest).
 */
const ORIGIN = '^[a-z0-9_]+$';
const ORIGIN_ID = '^[a-z0-9_]+:.*$';
const NO_NUL = '^[^\\u0000]*$';
const TIMESTAMP = { type: 'string', format: 'date-time' };

export const KCIDB_V5_SUBSET = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  title: 'kcidb (issues and incidents)',
  type: 'object',
  $defs: {
    issue: {
      type: 'object',
      properties: {
        _timestamp: TIMESTAMP,
        id: { type: 'string', pattern: ORIGIN_ID },
        version: { type: 'integer', minimum: 0 },
        origin: { type: 'string', pattern: ORIGIN },
        categories: { type: 'array', items: { type: 'string', pattern: '^([a-zA-Z0-9_-]+(\\.[a-zA-Z0-9_-]+)*)?$' } },
        report_url: { type: 'string', format: 'uri' },
        report_subject: { type: 'string', pattern: NO_NUL },
        culprit: {
          type: 'object',
          properties: { code: { type: 'boolean' }, tool: { type: 'boolean' }, harness: { type: 'boolean' } },
          additionalProperties: false,
        },
        comment: { type: 'string', pattern: NO_NUL },
        misc: { type: 'object' },
      },
      additionalProperties: false,
      required: ['id', 'version', 'origin'],
    },
    incident: {
      type: 'object',
      properties: {
        _timestamp: TIMESTAMP,
        id: { type: 'string', pattern: ORIGIN_ID },
        origin: { type: 'string', pattern: ORIGIN },
        issue_id: { type: 'string', pattern: ORIGIN_ID },
        issue_version: { type: 'integer', minimum: 0 },
        build_id: { type: 'string', pattern: ORIGIN_ID },
        test_id: { type: 'string', pattern: ORIGIN_ID },
        present: { type: 'boolean' },
        comment: { type: 'string', pattern: NO_NUL },
        misc: { type: 'object' },
      },
      additionalProperties: false,
      required: ['id', 'origin', 'issue_id', 'issue_version'],
    },
  },
  properties: {
    version: {
      type: 'object',
      properties: { major: { type: 'integer', const: 5 }, minor: { type: 'integer', minimum: 0, maximum: 3 } },
      additionalProperties: false,
      required: ['major'],
    },
    issues: { type: 'array', items: { $ref: '#/$defs/issue' } },
    incidents: { type: 'array', items: { $ref: '#/$defs/incident' } },
  },
  additionalProperties: false,
  required: ['version'],
};
