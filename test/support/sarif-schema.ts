import { Ajv2020 } from 'ajv/dist/2020.js';

/**
 * The part of SARIF 2.1.0 (OASIS standard, sarif-v2.1.0-os) pushgate emits, written from the
 * specification's object definitions: required members, types, enumerations and closed objects
 * (the official schema is not available offline here, so this is our transcription of the
 * sections we use: §3.13 sarifLog, §3.14 run, §3.18 tool, §3.19 toolComponent, §3.49
 * reportingDescriptor, §3.27 result, §3.28 location, §3.29 physicalLocation, §3.4 artifactLocation,
 * §3.33 logicalLocation, §3.11 message, §3.17 runAutomationDetails, §3.8 property bag).
 */
const message = {
  type: 'object',
  anyOf: [{ required: ['text'] }, { required: ['id'] }],
  additionalProperties: false,
  properties: {
    text: { type: 'string' },
    id: { type: 'string' },
    arguments: { type: 'array', items: { type: 'string' } },
  },
};
const multiformatMessage = {
  type: 'object',
  required: ['text'],
  additionalProperties: false,
  properties: { text: { type: 'string' }, markdown: { type: 'string' } },
};
const propertyBag = { type: 'object' };
const artifactLocation = {
  type: 'object',
  additionalProperties: false,
  properties: {
    uri: { type: 'string', format: 'uri-reference' },
    uriBaseId: { type: 'string' },
    index: { type: 'integer', minimum: -1 },
  },
};
const location = {
  type: 'object',
  additionalProperties: false,
  properties: {
    id: { type: 'integer', minimum: -1 },
    physicalLocation: {
      type: 'object',
      additionalProperties: false,
      anyOf: [{ required: ['artifactLocation'] }, { required: ['address'] }],
      properties: {
        artifactLocation,
        region: {
          type: 'object',
          additionalProperties: false,
          properties: {
            startLine: { type: 'integer', minimum: 1 },
            startColumn: { type: 'integer', minimum: 1 },
          },
        },
        address: { type: 'object' },
      },
    },
    logicalLocations: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        properties: {
          name: { type: 'string' },
          fullyQualifiedName: { type: 'string' },
          kind: { type: 'string' },
        },
      },
    },
    message,
    properties: propertyBag,
  },
};

export const SARIF_SUBSET_SCHEMA = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  type: 'object',
  required: ['version', 'runs'],
  additionalProperties: false,
  properties: {
    $schema: { type: 'string', format: 'uri' },
    version: { const: '2.1.0' },
    runs: {
      type: 'array',
      items: {
        type: 'object',
        required: ['tool'],
        additionalProperties: false,
        properties: {
          tool: {
            type: 'object',
            required: ['driver'],
            additionalProperties: false,
            properties: {
              driver: {
                type: 'object',
                required: ['name'],
                additionalProperties: false,
                properties: {
                  name: { type: 'string' },
                  version: { type: 'string' },
                  informationUri: { type: 'string', format: 'uri' },
                  rules: {
                    type: 'array',
                    items: {
                      type: 'object',
                      required: ['id'],
                      additionalProperties: false,
                      properties: {
                        id: { type: 'string' },
                        name: { type: 'string' },
                        shortDescription: multiformatMessage,
                        fullDescription: multiformatMessage,
                        // §3.49.12 (an absolute URI) and §3.49.13.
                        helpUri: { type: 'string', format: 'uri' },
                        help: multiformatMessage,
                        defaultConfiguration: {
                          type: 'object',
                          additionalProperties: false,
                          properties: {
                            level: { enum: ['none', 'note', 'warning', 'error'] },
                            enabled: { type: 'boolean' },
                          },
                        },
                        properties: propertyBag,
                      },
                    },
                  },
                },
              },
            },
          },
          originalUriBaseIds: {
            type: 'object',
            additionalProperties: {
              type: 'object',
              additionalProperties: false,
              properties: { uri: { type: 'string' }, uriBaseId: { type: 'string' }, description: message },
            },
          },
          automationDetails: {
            type: 'object',
            additionalProperties: false,
            properties: { id: { type: 'string' } },
          },
          results: {
            type: 'array',
            items: {
              type: 'object',
              required: ['message'],
              additionalProperties: false,
              properties: {
                ruleId: { type: 'string' },
                ruleIndex: { type: 'integer', minimum: -1 },
                level: { enum: ['none', 'note', 'warning', 'error'] },
                message,
                locations: { type: 'array', items: location },
                relatedLocations: { type: 'array', items: location },
                partialFingerprints: { type: 'object', additionalProperties: { type: 'string' } },
                // §3.27.23 and §3.35 suppression.
                suppressions: {
                  type: 'array',
                  items: {
                    type: 'object',
                    required: ['kind'],
                    additionalProperties: false,
                    properties: {
                      kind: { enum: ['inSource', 'external'] },
                      status: { enum: ['accepted', 'underReview', 'rejected'] },
                      justification: { type: 'string' },
                      guid: { type: 'string' },
                      properties: propertyBag,
                    },
                  },
                },
                properties: propertyBag,
              },
            },
          },
          properties: propertyBag,
        },
      },
    },
  },
} as const;

const ajv = new Ajv2020({ allErrors: true, strict: true, strictRequired: false, validateFormats: false });
const validate = ajv.compile(SARIF_SUBSET_SCHEMA);

export function expectValidSarif(log: unknown): void {
  if (!validate(log)) {
    const problems = (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message}`).join('\n');
    throw new Error(`not valid SARIF 2.1.0 (pushgate subset):\n${problems}`);
  }
}
