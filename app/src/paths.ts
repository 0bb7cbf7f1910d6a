// The health path, shared by the route and the image's HEALTHCHECK script (which must stay light:
// it runs every few seconds and imports nothing else).
export const HEALTH_PATH = '/healthz';
