import { Injectable } from '@nestjs/common';
import { McpSubscriptions, type McpListKind } from './mcp-subscriptions.js';

/**
 * Tells MCP clients that something changed: inject it where your data changes.
 * @example
 * ```ts
 * @Injectable()
 * export class NotesService {
 *   constructor(private readonly mcp: McpNotifications) {}
 *   async update(id: string, text: string) {
 *     // … save …
 *     await this.mcp.resourceUpdated(`notes://${id}`);
 *   }
 * }
 * ```
 */
@Injectable()
export class McpNotifications {
  constructor(private readonly subscriptions: McpSubscriptions) {}

  /**
   * `notifications/resources/updated` for `uri`, to the 2025 sessions that subscribed to it and the 2026-07-28
   * streams that listen for it — each only if its principal may read that resource now.
   */
  resourceUpdated(uri: string): Promise<void> {
    return this.subscriptions.resourceUpdated(uri);
  }

  /** `notifications/{tools,prompts,resources}/list_changed`, to every session and to the streams that opted in. */
  listChanged(list: McpListKind): void {
    this.subscriptions.listChanged(list);
  }
}
