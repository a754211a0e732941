import { boot, bootFromPage, bootHbbTV } from './main';
import { StratusClient } from './client';
import { Display } from './display';
import { VK } from '@stratus/protocol/device';

/** The device bundle's one global. */
(window as unknown as { StratusDevice: object }).StratusDevice = {
  boot: boot,
  bootFromPage: bootFromPage,
  bootHbbTV: bootHbbTV,
  StratusClient: StratusClient,
  Display: Display,
  VK: VK
};
