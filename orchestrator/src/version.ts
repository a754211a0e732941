/** The Stratus version the user agent and the API documents report. */
export const STRATUS_VERSION = '0.1.0';
