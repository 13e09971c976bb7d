import { ERROR_MESSAGE, ERROR_STATUS } from './errors.js';
import type { ErrorCode } from './errors.js';

const errorRef = { $ref: '#/components/schemas/Error' };

function errors(...codes: ErrorCode[]): Record<string, unknown> {
  const byStatus = new Map<number, ErrorCode[]>();
  for (const code of codes) byStatus.set(ERROR_STATUS[code], [...(byStatus.get(ERROR_STATUS[code]) ?? []), code]);
  return Object.fromEntries(
    [...byStatus].map(([status, list]) => [
      String(status),
      { description: list.map((c) => `\`${c}\`: ${ERROR_MESSAGE[c]}`).join(' '), content: { 'application/json': { schema: errorRef } } },
    ]),
  );
}

const json = (schema: unknown, description: string) => ({ description, content: { 'application/json': { schema } } });
const common: ErrorCode[] = [
  'RATE_LIMITED',
  'REQUEST_HEADERS_TOO_LARGE',
  'REQUEST_TIMEOUT',
  'DATABASE_UNAVAILABLE',
  'DATABASE_NOT_MIGRATED',
  'INTERNAL',
];
const body: ErrorCode[] = ['REQUEST_INVALID', 'REQUEST_TOO_LARGE', 'REQUEST_UNSUPPORTED_MEDIA_TYPE'];
const admin: ErrorCode[] = ['ADMIN_UNAUTHORIZED', 'ADMIN_DISABLED', 'DATABASE_UNAVAILABLE', 'DATABASE_NOT_MIGRATED', 'INTERNAL'];
const codeParam = {
  name: 'code',
  in: 'path',
  required: true,
  description:
    '16 Crockford base32 characters; case, hyphens (any dash), spaces and invisible marks ignored, full-width forms read as ASCII, I/L read as 1, O as 0',
  schema: { type: 'string', maxLength: 256 },
};

/** The OpenAPI 3.1 description of the service, served at /openapi.json and kept in docs/api/openapi.json. */
export function openApiDocument(): Record<string, unknown> {
  const allCodes = Object.keys(ERROR_STATUS) as ErrorCode[];
  return {
    openapi: '3.1.0',
    info: {
      title: 'Veza beta redemption API',
      version: '0.1.0',
      description: 'Checks and redeems invite codes for /signup?invite=CODE. Every error body is {"error":{"code","message"}}.',
    },
    paths: {
      '/v1/invites/{code}': {
        get: {
          summary: 'The state of a code, without consuming it',
          parameters: [codeParam],
          responses: {
            '200': json({ $ref: '#/components/schemas/ValidInvite' }, 'The code is valid'),
            ...errors('INVITE_MALFORMED', 'INVITE_UNKNOWN', 'INVITE_USED', 'INVITE_EXPIRED', 'INVITE_REVOKED', ...common),
          },
        },
      },
      '/v1/invites/redeem': {
        post: {
          summary: 'Consume a code, once',
          requestBody: { required: true, content: { 'application/json': { schema: { $ref: '#/components/schemas/RedeemRequest' } } } },
          responses: {
            '200': json({ $ref: '#/components/schemas/RedeemedInvite' }, 'Redeemed now'),
            ...errors('INVITE_MALFORMED', 'INVITE_UNKNOWN', 'INVITE_USED', 'INVITE_EXPIRED', 'INVITE_REVOKED', ...body, ...common),
          },
        },
      },
      '/v1/admin/report': {
        get: {
          summary: 'Per-cohort funnel',
          security: [{ bearer: [] }],
          responses: {
            '200': json({ type: 'object' }, 'invited, sent, redeemed, expired, revoked per cohort and in total'),
            ...errors(...admin),
          },
        },
      },
      '/v1/admin/revoke': {
        post: {
          summary: 'Revoke an unused invite by code, or every live invite of an email',
          security: [{ bearer: [] }],
          requestBody: {
            required: true,
            content: {
              'application/json': {
                schema: {
                  oneOf: [
                    { type: 'object', additionalProperties: false, required: ['code'], properties: { code: { type: 'string' } } },
                    { type: 'object', additionalProperties: false, required: ['email'], properties: { email: { type: 'string' } } },
                  ],
                },
              },
            },
          },
          responses: {
            '200': json(
              {
                type: 'object',
                properties: {
                  revoked: { type: 'array', items: { type: 'string' } },
                  untouched: { type: 'array' },
                  sending: { type: 'array', items: { type: 'string' } },
                  sent: { type: 'array', items: { type: 'string' } },
                },
              },
              'What was revoked, and what matched but was already used or revoked (nothing matched: 404 INVITE_UNKNOWN); `sending`: the revoked ones whose invitation email a dispatch had claimed and not recorded as sent (one already on its way may still arrive, with a code that no longer works); `sent`: the revoked ones whose email had been sent already; an `untouched` one already revoked has `email: sent` or `being sent` when its email went out or is still claimed',
            ),
            ...errors('INVITE_MALFORMED', 'INVITE_UNKNOWN', ...body, ...admin),
          },
        },
      },
      '/healthz': {
        get: {
          summary: 'The process is up',
          responses: { '200': json({ type: 'object', properties: { status: { const: 'ok' } } }, 'Up') },
        },
      },
      '/readyz': {
        get: {
          summary: 'The database answers and is migrated',
          responses: {
            '200': json({ type: 'object', properties: { status: { const: 'ready' } } }, 'Ready'),
            ...errors('DATABASE_UNAVAILABLE', 'DATABASE_NOT_MIGRATED', 'SHUTTING_DOWN'),
          },
        },
      },
      '/metrics': {
        get: {
          summary: 'Prometheus metrics',
          responses: { '200': { description: 'Prometheus text format', content: { 'text/plain': { schema: { type: 'string' } } } } },
        },
      },
      '/signup': {
        get: {
          summary: 'The signup form; reads ?invite=CODE',
          responses: { '200': { description: 'HTML page', content: { 'text/html': { schema: { type: 'string' } } } } },
        },
      },
      '/openapi.json': { get: { summary: 'This document', responses: { '200': json({ type: 'object' }, 'OpenAPI 3.1') } } },
    },
    components: {
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer', description: 'ADMIN_TOKEN; without it the admin routes answer 404 ADMIN_DISABLED' },
      },
      schemas: {
        Error: {
          type: 'object',
          additionalProperties: false,
          required: ['error'],
          properties: {
            error: {
              type: 'object',
              additionalProperties: false,
              required: ['code', 'message'],
              properties: { code: { $ref: '#/components/schemas/ErrorCode' }, message: { type: 'string' } },
            },
          },
        },
        ErrorCode: {
          type: 'string',
          enum: allCodes,
          description: allCodes.map((c) => `${c} (${ERROR_STATUS[c]})`).join(', '),
          'x-http-status': Object.fromEntries(allCodes.map((c) => [c, ERROR_STATUS[c]])),
        },
        RedeemRequest: {
          type: 'object',
          additionalProperties: false,
          required: ['code'],
          properties: { code: { type: 'string' }, userId: { type: ['string', 'null'], format: 'uuid' } },
        },
        ValidInvite: {
          type: 'object',
          properties: {
            invite: {
              type: 'object',
              properties: {
                state: { const: 'valid' },
                email: { type: 'string', description: 'masked: a***@example.org' },
                expiresAt: { type: 'string', format: 'date-time' },
              },
            },
          },
        },
        RedeemedInvite: {
          type: 'object',
          properties: {
            invite: {
              type: 'object',
              properties: {
                state: { const: 'redeemed' },
                id: { type: 'string', format: 'uuid' },
                cohort: { type: 'string' },
                email: { type: 'string' },
                expiresAt: { type: 'string', format: 'date-time' },
                redeemedAt: { type: 'string', format: 'date-time' },
              },
            },
          },
        },
      },
    },
  };
}
