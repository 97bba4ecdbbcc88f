// From the AWS Organizations operation reference in shared/seeds (the messages AWS documents for each
// exception and reason), plus the few the newer API model adds at the end of each table.

export const exceptionMessages: Readonly<Record<string, string>> = {
  ResponsibilityTransferNotFoundException: "We can't find a transfer that you specified.",
  ResponsibilityTransferAlreadyInStatusException:
    'The responsibility transfer is already in the status that you specified.',
  InvalidResponsibilityTransferTransitionException:
    "The responsibility transfer can't transition to the requested status.",
  AWSOrganizationsNotInUseException:
    "Your account isn't a member of an organization. To make this request, you must use the credentials of an account that belongs to an organization.",
  AccessDeniedException:
    "You don't have permissions to perform the requested operation. The user or role that is making the request must have at least one IAM permissions policy attached that grants the required permissions. For more information, see Access Management in the IAM User Guide.",
  AccessDeniedForDependencyException:
    "The operation that you attempted requires you to have the iam:CreateServiceLinkedRole for organizations.amazonaws.com permission so that Organizations can create the required service-linked role. You don't have that permission.",
  AccountAlreadyClosedException: 'You attempted to close an account that is already closed.',
  AccountAlreadyRegisteredException:
    'The specified account is already a delegated administrator for this Amazon Web Services service.',
  AccountNotFoundException:
    "We can't find an Amazon Web Services account with the AccountId that you specified, or the account whose credentials you used to make this request isn't a member of an organization.",
  AccountNotRegisteredException:
    'The specified account is not a delegated administrator for this Amazon Web Services service.',
  AccountOwnerNotVerifiedException:
    "You can't invite an existing account to your organization until you verify that you own the email address associated with the management account. For more information, see Email address verification in the Organizations User Guide.",
  AlreadyInOrganizationException:
    'This account is already a member of an organization. An account can belong to only one organization at a time.',
  ChildNotFoundException:
    "We can't find an organizational unit (OU) or Amazon Web Services account with the ChildId that you specified.",
  ConcurrentModificationException:
    'The target of the operation is currently being modified by a different request. Try again later.',
  ConflictException:
    'The request failed because it conflicts with the current state of the specified resource.',
  ConstraintViolationException:
    'Performing this operation violates a minimum or maximum value limit. For example, attempting to remove the last service control policy (SCP) from an OU or root, inviting or creating too many accounts to the organization, or attaching too many policies to an account, OU, or root. This exception includes a reason that contains additional information about the violated limit:',
  CreateAccountStatusNotFoundException:
    "We can't find an create account request with the CreateAccountRequestId that you specified.",
  DestinationParentNotFoundException:
    "We can't find the destination container (a root or OU) with the ParentId that you specified.",
  DuplicateAccountException: 'That account is already present in the specified destination.',
  DuplicateHandshakeException:
    'A handshake with the same action and target already exists. For example, if you invited an account to join your organization, the invited account might already have a pending invitation from this organization. If you intend to resend an invitation to an account, ensure that existing handshakes that might be considered duplicates are canceled or declined.',
  DuplicateOrganizationalUnitException: 'An OU with the same name already exists.',
  DuplicatePolicyAttachmentException: 'The selected policy is already attached to the specified target.',
  DuplicatePolicyException: 'A policy with the same name already exists.',
  EffectivePolicyNotFoundException:
    "If you ran this action on the management account, this policy type is not enabled. If you ran the action on a member account, the account doesn't have an effective policy of this type. Contact the administrator of your organization about attaching a policy of this type to the account.",
  FinalizingOrganizationException:
    "Organizations couldn't perform the operation because your organization hasn't finished initializing. This can take up to an hour. Try again later. If after one hour you continue to receive this error, contact Amazon Web Services Support.",
  HandshakeAlreadyInStateException:
    "The specified handshake is already in the requested state. For example, you can't accept a handshake that was already accepted.",
  HandshakeConstraintViolationException:
    'The requested operation would violate the constraint identified in the reason code.',
  HandshakeNotFoundException: "We can't find a handshake with the HandshakeId that you specified.",
  InvalidHandshakeTransitionException:
    "You can't perform the operation on the handshake in its current state. For example, you can't cancel a handshake that was already accepted or accept a handshake that was already declined.",
  InvalidInputException:
    'The requested operation failed because you provided invalid values for one or more of the request parameters. This exception includes a reason that contains additional information about the violated limit:',
  MalformedPolicyDocumentException:
    "The provided policy document doesn't meet the requirements of the specified policy type. For example, the syntax might be incorrect. For details about service control policy syntax, see SCP syntax in the Organizations User Guide.",
  MasterCannotLeaveOrganizationException:
    "You can't remove a management account from an organization. If you want the management account to become a member account in another organization, you must first delete the current organization of the management account.",
  OrganizationNotEmptyException:
    "The organization isn't empty. To delete an organization, you must first remove all accounts except the management account.",
  OrganizationalUnitNotEmptyException:
    'The specified OU is not empty. Move all accounts to another root or to other OUs, remove all child OUs, and try the operation again.',
  OrganizationalUnitNotFoundException:
    "We can't find an OU with the OrganizationalUnitId that you specified.",
  ParentNotFoundException: "We can't find a root or OU with the ParentId that you specified.",
  PolicyChangesInProgressException:
    "Changes to the effective policy are in progress, and its contents can't be returned. Try the operation again later.",
  PolicyInUseException:
    'The policy is attached to one or more entities. You must detach it from all roots, OUs, and accounts before performing this operation.',
  PolicyNotAttachedException: "The policy isn't attached to the specified target in the specified root.",
  PolicyNotFoundException: "We can't find a policy with the PolicyId that you specified.",
  PolicyTypeAlreadyEnabledException: 'The specified policy type is already enabled in the specified root.',
  PolicyTypeNotAvailableForOrganizationException:
    "You can't use the specified policy type with the feature set currently enabled for this organization. For example, you can enable SCPs only after you enable all features in the organization. For more information, see Managing Organizations policiesin the Organizations User Guide.",
  PolicyTypeNotEnabledException:
    "The specified policy type isn't currently enabled in this root. You can't attach policies of the specified type to entities in a root until you enable that type in the root. For more information, see Enabling all features in your organization in the Organizations User Guide.",
  ResourcePolicyNotFoundException:
    "We can't find a resource policy request with the parameter that you specified.",
  RootNotFoundException: "We can't find a root with the RootId that you specified.",
  ServiceException:
    "Organizations can't complete your request because of an internal service error. Try again later.",
  SourceParentNotFoundException: "We can't find a source root or OU with the ParentId that you specified.",
  TargetNotFoundException:
    "We can't find a root, OU, account, or policy with the TargetId that you specified.",
  TooManyRequestsException:
    'You have sent too many requests in too short a period of time. The quota helps protect against denial-of-service attacks. Try again later.',
  UnsupportedAPIEndpointException: "This action isn't available in the current Amazon Web Services Region.",
};

export const reasonMessages: Readonly<Record<string, string>> = {
  NON_DETACHABLE_POLICY: "You can't detach this AWS Managed Policy.",
  INVALID_NEXT_TOKEN: 'You specified an invalid value for the nextToken request parameter.',
  MAX_LIMIT_EXCEEDED_FILTER: 'You can specify only one filter parameter for the operation.',
  INVALID_RESOURCE_POLICY_JSON: 'You provided a resource policy that is not valid JSON.',
  ACCOUNT_CANNOT_LEAVE_ORGANIZATION:
    "You attempted to remove the management account from the organization. You can't remove the management account. Instead, after you remove all member accounts, delete the organization itself.",
  ACCOUNT_CANNOT_LEAVE_WITHOUT_PHONE_VERIFICATION:
    "You attempted to remove an account from the organization that doesn't yet have enough information to exist as a standalone account. This account requires you to first complete phone verification. Follow the steps at Removing a member account from your organization in the Organizations User Guide.",
  ACCOUNT_CREATION_NOT_COMPLETE:
    "Your account setup isn't complete or your account isn't fully active. You must complete the account setup before you create an organization.",
  ACCOUNT_CREATION_RATE_LIMIT_EXCEEDED:
    'You attempted to exceed the number of accounts that you can create in one day.',
  ACCOUNT_LIMIT_EXCEEDED:
    "The account couldn't be created because you reached the limit on the number of accounts in your organization.",
  ACCOUNT_NUMBER_LIMIT_EXCEEDED:
    'You attempted to exceed the limit on the number of accounts in an organization. Note that deleted and closed accounts still count toward your limit.',
  ALREADY_IN_AN_ORGANIZATION:
    'The handshake request is invalid because the invited account is already a member of an organization.',
  CANNOT_CLOSE_MANAGEMENT_ACCOUNT:
    'You attempted to close the management account. To close the management account for the organization, you must first either remove or close all member accounts in the organization. Follow standard account closure process using root credentials.',
  CANNOT_REGISTER_MASTER_AS_DELEGATED_ADMINISTRATOR:
    'You attempted to register the management account of the organization as a delegated administrator for an Amazon Web Services service integrated with Organizations. You can designate only a member account as a delegated administrator.',
  CANNOT_REGISTER_SUSPENDED_ACCOUNT_AS_DELEGATED_ADMINISTRATOR:
    'You cannot register a suspended account as a delegated administrator.',
  CANNOT_REMOVE_DELEGATED_ADMINISTRATOR_FROM_ORG:
    'You attempted to remove an account that is registered as a delegated administrator for a service integrated with your organization. To complete this operation, you must first deregister this account as a delegated administrator.',
  CLOSE_ACCOUNT_QUOTA_EXCEEDED: 'You have exceeded close account quota for the past 30 days.',
  CLOSE_ACCOUNT_REQUESTS_LIMIT_EXCEEDED:
    'You attempted to exceed the number of accounts that you can close at a time.',
  CONCURRENT_ACCOUNT_MODIFICATION: 'You already submitted a request with the same information.',
  CREATE_ORGANIZATION_IN_BILLING_MODE_UNSUPPORTED_REGION:
    'To create an organization in the specified region, you must enable all features mode.',
  DELEGATED_ADMINISTRATOR_EXISTS_FOR_THIS_SERVICE:
    'You attempted to register an Amazon Web Services account as a delegated administrator for an Amazon Web Services service that already has a delegated administrator. To complete this operation, you must first deregister any existing delegated administrators for this service.',
  DUPLICATE_TAG_KEY: 'Tag keys must be unique among the tags attached to the same entity.',
  EMAIL_ALREADY_EXISTS:
    'The account could not be created because another Amazon Web Services account with that email address already exists.',
  EMAIL_VERIFICATION_CODE_EXPIRED:
    'The email verification code is only valid for a limited period of time. You must resubmit the request and generate a new verfication code.',
  FAILED_BUSINESS_VALIDATION:
    'The Amazon Web Services account that owns your organization failed to receive business license validation.',
  GOVCLOUD_ACCOUNT_ALREADY_EXISTS:
    'The account in the Amazon Web Services GovCloud (US) Region could not be created because this Region already includes an account with that email address.',
  HANDSHAKE_RATE_LIMIT_EXCEEDED:
    'You attempted to exceed the number of handshakes that you can send in one day.',
  IDENTITY_INVALID_BUSINESS_VALIDATION:
    "The Amazon Web Services account that owns your organization can't complete business license validation because it doesn't have valid identity data.",
  IMMUTABLE_POLICY: "You specified a policy that is managed by Amazon Web Services and can't be modified.",
  INPUT_REQUIRED: 'You must include a value for all required parameters.',
  INTERNAL_FAILURE:
    'The account could not be created because of an internal failure. Try again later. If the problem persists, contact Amazon Web Services Customer Support.',
  INVALID_ADDRESS: 'The account could not be created because the address you provided is not valid.',
  INVALID_EMAIL: 'The account could not be created because the email address you provided is not valid.',
  INVALID_EMAIL_ADDRESS_TARGET: 'You specified an invalid email address for the invited account owner.',
  INVALID_ENUM: 'You specified an invalid value.',
  INVALID_ENUM_POLICY_TYPE: 'You specified an invalid policy type string.',
  INVALID_FULL_NAME_TARGET: 'You specified a full name that contains invalid characters.',
  INVALID_LIST_MEMBER: 'You provided a list to a parameter that contains at least one invalid value.',
  INVALID_PAGINATION_TOKEN:
    'Get the value for the NextToken parameter from the response to a previous call of the operation.',
  INVALID_PARTY_TYPE_TARGET:
    'You specified the wrong type of entity (account, organization, or email) as a party.',
  INVALID_PATTERN: "You provided a value that doesn't match the required pattern.",
  INVALID_PATTERN_TARGET_ID: "You specified a policy target ID that doesn't match the required pattern.",
  INVALID_PAYMENT_INSTRUMENT:
    'You cannot remove an account because no supported payment method is associated with the account. Amazon Web Services does not support cards issued by financial institutions in Russia or Belarus. For more information, see Managing your Amazon Web Services payments.',
  INVALID_ROLE_NAME:
    "You provided a role name that isn't valid. A role name can't begin with the reserved prefix AWSServiceRoleFor.",
  INVALID_SYNTAX_ORGANIZATION_ARN:
    'You specified an invalid Amazon Resource Name (ARN) for the organization.',
  INVALID_SYNTAX_POLICY_ID: 'You specified an invalid policy ID.',
  INVALID_SYSTEM_TAGS_PARAMETER:
    "You specified a tag key that is a system tag. You can\u2019t add, edit, or delete system tag keys because they're reserved for Amazon Web Services use. System tags don\u2019t count against your tags per resource limit.",
  INVITE_DISABLED_DURING_ENABLE_ALL_FEATURES:
    "You can't issue new invitations to join an organization while it's in the process of enabling all features. You can resume inviting accounts after you finalize the process when all accounts have agreed to the change.",
  MASTER_ACCOUNT_ADDRESS_DOES_NOT_MATCH_MARKETPLACE:
    "To create an account in this organization, you first must migrate the organization's management account to the marketplace that corresponds to the management account's address. All accounts in an organization must be associated with the same marketplace.",
  MASTER_ACCOUNT_MISSING_BUSINESS_LICENSE:
    'Applies only to the Amazon Web Services Regions in China. To create an organization, the master must have a valid business license. For more information, contact customer support.',
  MASTER_ACCOUNT_MISSING_CONTACT_INFO:
    'To complete this operation, you must first provide a valid contact address and phone number for the management account. Then try the operation again.',
  MASTER_ACCOUNT_NOT_GOVCLOUD_ENABLED:
    'To complete this operation, the management account must have an associated account in the Amazon Web Services GovCloud (US-West) Region. For more information, see Organizations in the Amazon Web Services GovCloud User Guide.',
  MASTER_ACCOUNT_PAYMENT_INSTRUMENT_REQUIRED:
    'To create an organization with this management account, you first must associate a valid payment instrument, such as a credit card, with the account. For more information, see Considerations before removing an account from an organization in the Organizations User Guide.',
  MAX_DELEGATED_ADMINISTRATORS_FOR_SERVICE_LIMIT_EXCEEDED:
    'You attempted to register more delegated administrators than allowed for the service principal.',
  MAX_FILTER_LIMIT_EXCEEDED: 'You can specify only one filter parameter for the operation.',
  MAX_LENGTH_EXCEEDED: 'You provided a string parameter that is longer than allowed.',
  MAX_POLICY_TYPE_ATTACHMENT_LIMIT_EXCEEDED:
    'You attempted to exceed the number of policies of a certain type that can be attached to an entity at one time.',
  MAX_TAG_LIMIT_EXCEEDED: 'You have exceeded the number of tags allowed on this resource.',
  MAX_VALUE_EXCEEDED: 'You provided a numeric parameter that has a larger value than allowed.',
  MEMBER_ACCOUNT_PAYMENT_INSTRUMENT_REQUIRED:
    'To complete this operation with this member account, you first must associate a valid payment instrument, such as a credit card, with the account. For more information, see Considerations before removing an account from an organization in the Organizations User Guide.',
  MIN_LENGTH_EXCEEDED: 'You provided a string parameter that is shorter than allowed.',
  MIN_POLICY_TYPE_ATTACHMENT_LIMIT_EXCEEDED:
    'You attempted to detach a policy from an entity that would cause the entity to have fewer than the minimum number of policies of a certain type required.',
  MIN_VALUE_EXCEEDED: 'You provided a numeric parameter that has a smaller value than allowed.',
  MISSING_BUSINESS_VALIDATION:
    'The Amazon Web Services account that owns your organization has not received Business Validation.',
  MISSING_PAYMENT_INSTRUMENT:
    'You must configure the management account with a valid payment method, such as a credit card.',
  MOVING_ACCOUNT_BETWEEN_DIFFERENT_ROOTS: 'You can move an account only between entities in the same root.',
  ORGANIZATION_ALREADY_HAS_ALL_FEATURES:
    'The handshake request is invalid because the organization has already enabled all features.',
  ORGANIZATION_FROM_DIFFERENT_SELLER_OF_RECORD:
    'The request failed because the account is from a different marketplace than the accounts in the organization. For example, accounts with India addresses must be associated with the AISPL marketplace. All accounts in an organization must be from the same marketplace.',
  ORGANIZATION_IS_ALREADY_PENDING_ALL_FEATURES_MIGRATION:
    'The handshake request is invalid because the organization has already started the process to enable all features.',
  ORGANIZATION_MEMBERSHIP_CHANGE_RATE_LIMIT_EXCEEDED:
    'You attempted to change the membership of an account too quickly after its previous change.',
  ORGANIZATION_NOT_IN_ALL_FEATURES_MODE:
    "You attempted to perform an operation that requires the organization to be configured to support all features. An organization that supports only consolidated billing features can't perform this operation.",
  OU_DEPTH_LIMIT_EXCEEDED: 'You attempted to create an OU tree that is too many levels deep.',
  OU_NUMBER_LIMIT_EXCEEDED: 'You attempted to exceed the number of OUs that you can have in an organization.',
  PAYMENT_INSTRUMENT_REQUIRED:
    "You can't complete the operation with an account that doesn't have a payment instrument, such as a credit card, associated with it.",
  PENDING_BUSINESS_VALIDATION:
    'The Amazon Web Services account that owns your organization is still in the process of completing business license validation.',
  POLICY_CONTENT_LIMIT_EXCEEDED: 'You attempted to create a policy that is larger than the maximum size.',
  POLICY_NUMBER_LIMIT_EXCEEDED:
    'You attempted to exceed the number of policies that you can have in an organization.',
  SERVICE_ACCESS_NOT_ENABLED:
    'You attempted to register a delegated administrator before you enabled service access. Call the EnableAWSServiceAccess API first.',
  TAG_POLICY_VIOLATION:
    'You attempted to create or update a resource with tags that are not compliant with the tag policy requirements for this account.',
  TARGET_NOT_SUPPORTED: "You can't perform the specified operation on that target entity.",
  UNKNOWN_BUSINESS_VALIDATION:
    'The Amazon Web Services account that owns your organization has an unknown issue with business license validation.',
  UNRECOGNIZED_SERVICE_PRINCIPAL: "You specified a service principal that isn't recognized.",
  WAIT_PERIOD_ACTIVE:
    'After you create an Amazon Web Services account, there is a waiting period before you can remove it from the organization. If you get an error that indicates that a wait period is required, try again in a few days.',
};
