/** yargs definitions of `kubidu webhooks [ls|add|rm|deliveries]`. */
import type { Argv, CommandModule } from 'yargs';
import { WEBHOOK_FORMATS } from '@kubidu/core/contract/webhook-words';
import type { GlobalArgs } from '../../lib/deps.js';
import { runCommand } from '../../lib/run-command.js';
import { runAdd, runDeliveries, runList, runRemove, type WebhookAddArgs, type WebhookRefArgs, type WebhooksArgs } from './webhooks.js';

const withProject = <T>(y: Argv<T>) =>
  y.option('project', { alias: 'p', type: 'string', describe: 'Project name, slug or id (default: from .kubidu.json)' });

const lsCommand: CommandModule<WebhooksArgs, WebhooksArgs> = {
  command: 'ls',
  describe: "List the project's webhooks",
  builder: (y) => withProject(y).example('$0 webhooks ls --project shop', 'The hooks of project shop'),
  handler: (args) => runCommand(args, runList),
};

const addCommand: CommandModule<WebhooksArgs, WebhookAddArgs> = {
  command: 'add <url>',
  describe: 'Add a webhook: Kubidu POSTs signed events (deploys, rollbacks, holds, bad marks) to URL',
  builder: (y) =>
    withProject(y)
      .positional('url', { type: 'string', demandOption: true, describe: 'http(s) URL of the receiver' })
      .option('event', {
        alias: 'e',
        type: 'string',
        array: true,
        describe: 'Event to send (repeatable): all (default), deployment, rollback, hold, or a name such as rollback.started',
      })
      .option('format', { type: 'string', choices: [...WEBHOOK_FORMATS], default: 'json', describe: 'json (Kubidu events) or slack ({text, blocks})' })
      .option('secret-stdin', { type: 'boolean', default: false, describe: 'Read the signing secret from stdin (default: generate one and print it once)' })
      .example('$0 webhooks add https://ci.example.com/hooks/kubidu -e rollback -e deployment.failed', 'Rollbacks and failed deploys, signed with a generated secret')
      .example('$0 webhooks add "$SLACK_WEBHOOK_URL" --format slack', 'Every event as a Slack message')
      .example('printf %s "$SECRET" | $0 webhooks add https://x.example/hook --secret-stdin', 'Your own secret, from stdin') as Argv<WebhookAddArgs>,
  handler: (args) => runCommand(args, runAdd),
};

const rmCommand: CommandModule<WebhooksArgs, WebhookRefArgs> = {
  command: 'rm <hook>',
  describe: 'Remove a webhook (its queued deliveries go with it)',
  builder: (y) =>
    withProject(y)
      .positional('hook', { type: 'string', demandOption: true, describe: 'Webhook id, or its first 8 characters' })
      .example('$0 webhooks rm 1a2b3c4d', 'Remove that hook') as Argv<WebhookRefArgs>,
  handler: (args) => runCommand(args, runRemove),
};

const deliveriesCommand: CommandModule<WebhooksArgs, WebhookRefArgs> = {
  command: 'deliveries <hook>',
  describe: "A webhook's delivery attempts (status, error, duration, next retry) and what still waits",
  builder: (y) =>
    withProject(y)
      .positional('hook', { type: 'string', demandOption: true, describe: 'Webhook id, or its first 8 characters' })
      .option('limit', { type: 'number', default: 50, describe: 'Most attempts to show (1–200)' })
      .example('$0 webhooks deliveries 1a2b3c4d', 'Why did the receiver not get it?')
      .example('$0 webhooks deliveries 1a2b3c4d --json', 'As JSON') as Argv<WebhookRefArgs>,
  handler: (args) => runCommand(args, runDeliveries),
};

/** `kubidu webhooks [ls|add|rm|deliveries]`. */
export const webhooksCommand: CommandModule<GlobalArgs, WebhooksArgs> = {
  command: 'webhooks',
  describe: "The project's outgoing webhooks (ls, add, rm, deliveries)",
  builder: (y) =>
    withProject(y)
      .command(lsCommand)
      .command(addCommand as CommandModule<WebhooksArgs, WebhooksArgs>)
      .command(rmCommand as CommandModule<WebhooksArgs, WebhooksArgs>)
      .command(deliveriesCommand as CommandModule<WebhooksArgs, WebhooksArgs>)
      .example('$0 webhooks', "List the linked project's webhooks"),
  handler: (args) => runCommand(args, runList),
};
