import { createApp } from './orgflow-app';

// `npx cdk synth` / `npx cdk deploy` (cdk.json): context from cdk.json and `-c key=value`
createApp().app.synth();
