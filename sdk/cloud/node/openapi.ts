/**
 * The HTTP API's OpenAPI 3.1 document, served at GET /v1/openapi.json.
 * README.md says the same in prose; test/e2e/cloud-serve.test.ts checks that
 * every path here answers.
 */
const error = {
  description: "An error, named as PROTOCOL.md section 6 names it (or unauthorized, not-found)",
  content: { "application/json": { schema: { $ref: "#/components/schemas/Error" } } },
};
const ok = (schema: object, description = "OK") => ({ description, content: { "application/json": { schema } } });
const device = { name: "id", in: "path", required: true, schema: { type: "string", pattern: "^[A-Za-z0-9_-]{1,64}$" } };
const timeRange = [
  { name: "from", in: "query", schema: { type: "string" }, description: "Unix ms or ISO 8601; default: an hour before `to`" },
  { name: "to", in: "query", schema: { type: "string" }, description: "Unix ms or ISO 8601, exclusive; default: now" },
];
const value = { oneOf: [{ type: "number" }, { type: "boolean" }, { type: "string" }] };

export const OPENAPI = {
  openapi: "3.1.0",
  info: { title: "Hearth cloud", version: "1", description: "A fleet's devices as the cloud's store holds them: reported and desired state, presence, commands, history, events, rollouts." },
  security: [{ bearer: [] }],
  paths: {
    "/v1/models": { get: { summary: "Every model (and revision) this instance serves, with its definition", responses: { 200: ok({ type: "object", properties: { models: { type: "array", items: { $ref: "#/components/schemas/Model" } } } }), 401: error } } },
    "/v1/devices": { get: { summary: "Every device that said hello, with presence", responses: { 200: ok({ type: "object", properties: { devices: { type: "array", items: { $ref: "#/components/schemas/Device" } } } }), 401: error } } },
    "/v1/devices/{id}": {
      get: {
        summary: "A device: presence, reported state (per member with the stamp that set it), desired document",
        parameters: [device],
        responses: { 200: ok({ type: "object", properties: { device: { $ref: "#/components/schemas/Device" }, reported: { $ref: "#/components/schemas/Reported" }, desired: { $ref: "#/components/schemas/Desired" } } }), 401: error, 404: error },
      },
    },
    "/v1/devices/{id}/model": {
      get: {
        summary: "The model (the revision) the device said hello with: its labels, units, ranges, actions and events, to show and check its values",
        parameters: [device],
        responses: { 200: ok({ $ref: "#/components/schemas/Model" }), 401: error, 404: error },
      },
    },
    "/v1/devices/{id}/reported": { get: { summary: "Reported state", parameters: [device], responses: { 200: ok({ type: "object", properties: { reported: { $ref: "#/components/schemas/Reported" } } }), 401: error } } },
    "/v1/devices/{id}/desired": {
      get: { summary: "The desired document; its version is the ETag", parameters: [device], responses: { 200: ok({ $ref: "#/components/schemas/Desired" }), 401: error } },
      patch: {
        summary: "Merge values into the desired document under its next version; with If-Match, only at that version",
        parameters: [device, { name: "If-Match", in: "header", schema: { type: "string" }, description: 'the version expected, as the ETag gave it ("3")' }],
        requestBody: { required: true, content: { "application/json": { schema: { type: "object", required: ["values"], properties: { values: { type: "object", additionalProperties: value } } } } } },
        responses: { 202: ok({ $ref: "#/components/schemas/Desired" }, "Kept; sent to the device now, or at its next hello"), 400: error, 401: error, 404: error, 412: error },
      },
    },
    "/v1/devices/{id}/actions/{action}": {
      post: {
        summary: "Invoke an action and wait for its result",
        parameters: [device, { name: "action", in: "path", required: true, schema: { type: "string" } }],
        requestBody: {
          content: {
            "application/json": {
              schema: { type: "object", properties: { params: { type: "object", additionalProperties: value }, timeoutMs: { type: "integer", minimum: 1 }, deadlineMs: { type: "integer", minimum: 1, description: "the device must not start it later than this after now" } } },
            },
          },
        },
        responses: { 200: ok({ type: "object", properties: { result: { type: "object" } } }), 400: error, 401: error, 404: error, 409: error, 502: error, 503: error, 504: error },
      },
    },
    "/v1/devices/{id}/history": {
      get: {
        summary: "Reported values over a time range, oldest first",
        parameters: [device, ...timeRange, { name: "member", in: "query", schema: { type: "string" } }],
        responses: { 200: ok({ type: "object", properties: { history: { type: "array", items: { $ref: "#/components/schemas/HistoryRow" } } } }), 401: error },
      },
    },
    "/v1/devices/{id}/events": {
      get: {
        summary: "Events over a time range; with Accept: text/event-stream, a server-sent stream of events and reported values as they are stored",
        parameters: [device, ...timeRange],
        responses: { 200: { description: "JSON {events: [...]}, or text/event-stream of `event` and `reported` messages" }, 401: error },
      },
    },
    "/v1/rollouts": {
      post: {
        summary: "Offer a signed image to devices (a share of them: a staged rollout)",
        requestBody: { required: true, content: { "application/json": { schema: { type: "object", required: ["image", "devices"], properties: { image: { type: "string", contentEncoding: "base64" }, devices: { type: "array", items: { type: "string" } }, share: { type: "number" }, maxFailures: { type: "integer" } } } } } },
        responses: { 201: ok({ type: "object", properties: { id: { type: "integer" } } }), 400: error, 401: error },
      },
    },
    "/v1/rollouts/{id}": {
      get: { summary: "Each device's progress in a rollout", parameters: [{ name: "id", in: "path", required: true, schema: { type: "integer" } }], responses: { 200: ok({ type: "object" }), 401: error } },
    },
  },
  components: {
    securitySchemes: { bearer: { type: "http", scheme: "bearer", description: "one token per API client (hearth cloud serve --tokens FILE)" } },
    schemas: {
      Error: { type: "object", required: ["error", "detail"], properties: { error: { type: "string", description: "a PROTOCOL.md error name (stale, timeout, ...), or unauthorized, not-found" }, detail: { type: "string" }, member: { type: "string" } } },
      Device: {
        type: "object",
        properties: { deviceId: { type: "string" }, model: { type: "string" }, modelHash: { type: "string" }, firmware: { type: "string" }, bootCount: { type: "integer" }, session: { type: "integer" }, maxSeq: { type: "integer" }, online: { type: "boolean" }, presenceAt: { type: "integer" } },
      },
      Model: {
        type: "object",
        properties: {
          id: { type: "string" },
          hash: { type: "string", description: "the revision's model hash (hex), as a device's record names it" },
          version: { type: "integer" },
          spec: { type: "object", description: "the model's definition, the document PROTOCOL.md section 3a defines (hearth model export writes the same)" },
        },
      },
      Reported: { type: "object", additionalProperties: { type: "object", properties: { value, session: { type: "integer" }, seq: { type: "integer" }, at: { type: "integer" } } } },
      Desired: { type: "object", properties: { version: { type: "integer" }, values: { type: "object", additionalProperties: value }, deviceVersion: { type: "integer" } } },
      HistoryRow: { type: "object", properties: { member: { type: "string" }, value, at: { type: "integer" }, seq: { type: "integer" } } },
    },
  },
} as const;
