/** The scopes the notes components ask for: read to look, write to change. */
export const NOTES_READ = 'notes:read';
export const NOTES_WRITE = 'notes:write';
export const NOTES_SCOPES = [NOTES_READ, NOTES_WRITE] as const;
