#!/usr/bin/env node
/**
 * CDK app of the Happy OS cloud path: reads the settings from context, creates the stacks, tags
 * every resource and adds the cdk-nag AwsSolutions checks, which fail the synth on any finding
 * that is not acknowledged. `npx cdk synth` runs it through cdk.json.
 */
import { App, Tags } from 'aws-cdk-lib';
import { HappyOsConfigError, resolveConfig, settingsFromContext } from '../lib/config/index.js';
import { createHappyOsStacks } from '../lib/happy-os.js';
import { addComplianceChecks } from '../lib/nag.js';

// CDK's template validator roughly doubles the time of a synth (bench/cdk/RESULTS.md), so
// `cdk synth` runs it only with -c validateTemplates=true. The tests under test/cdk run it on
// every configuration.
const app = new App({ builtinCloudFormationValidation: false });
try {
  const config = resolveConfig(settingsFromContext(app.node));
  createHappyOsStacks(app, config);
  Tags.of(app).add('project', 'happy-os');
  Tags.of(app).add('stage', config.stage);
  addComplianceChecks(app, { validateTemplates: config.validateTemplates });
} catch (error) {
  if (!(error instanceof HappyOsConfigError)) throw error;
  console.error(error.message);
  process.exit(1);
}
