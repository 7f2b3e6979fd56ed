/**
 * Loads every built-in shareable type, so that their codecs are registered
 * wherever values are sent or revived. The worker entry and the public entry
 * import this file; add each new shareable primitive's module here.
 *
 * @module
 */
export {};
